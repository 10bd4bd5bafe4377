"""The support-agent guide's load: customers writing in through three channels.

Each channel is a user class, alike in pace, so the mix of requests is the mix of users
(FastHttpUser: a load test whose client is cheap keeps up its load on a busy CI machine).
The mix itself is not set here: `user-classes` in locust-gate.yml gives each class its
weight (Locust's own `weight`, set through `--config-users`), and a profile may change it.
"""

from locust import FastHttpUser, constant, task


class WebFormUser(FastHttpUser):
    wait_time = constant(0.01)

    @task
    def submit_form(self) -> None:
        self.client.post("/api/webform", json={"subject": "Login fails", "body": "Since Monday"})


class EmailUser(FastHttpUser):
    wait_time = constant(0.01)

    @task
    def send_email(self) -> None:
        self.client.post("/api/email", json={"from": "ana@example.com", "body": "Invoice?"})


class WhatsAppUser(FastHttpUser):
    wait_time = constant(0.01)

    @task
    def send_message(self) -> None:
        self.client.post("/api/whatsapp", json={"from": "+15550100", "text": "Where is my order"})
