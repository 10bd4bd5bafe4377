"""A CRM team's locustfile, as teams write them: per-id URLs and query strings without
`name=`, a slow report next to fast reads, a login per user and a rare export (low
traffic). The proof test of issue 19 runs it as the README's own-project path says.

CRM_NAME_IDS=1 passes `name=` for the per-id URLs and the query strings (what a careful
team writes), so the test can run where the gate does not group such names itself.
"""

import os
import random

from locust import HttpUser, between, task

NAMED = os.environ.get("CRM_NAME_IDS") == "1"


def named(grouped: str) -> dict[str, str]:
    return {"name": grouped} if NAMED else {}


class SalesRep(HttpUser):
    wait_time = between(0.02, 0.06)  # a script, not a person: short think times

    def on_start(self) -> None:
        self.client.post("/api/login", json={"user": "rep", "password": "secret"})

    @task(12)
    def list_leads(self) -> None:
        page = random.randint(1, 6)
        stage = random.choice(["new", "won", "lost"])
        self.client.get(f"/api/leads?page={page}&per_page=100&stage={stage}",
                        **named("/api/leads?page=[n]&stage=[stage]"))

    @task(8)
    def open_lead(self) -> None:
        self.client.get(f"/api/leads/{random.randint(1, 400)}", **named("/api/leads/[id]"))

    @task(4)
    def update_lead(self) -> None:
        lead = random.randint(1, 400)
        self.client.put(f"/api/leads/{lead}", json={"stage": "won"}, **named("/api/leads/[id]"))

    @task(16)
    def pipeline_report(self) -> None:
        self.client.get("/api/reports/pipeline")

    @task(1)
    def export(self) -> None:
        if random.random() < 0.1:  # a button few people press
            self.client.post("/api/leads/export")
