"""A CRM backend's load test as teams write it: per-id URLs and query strings without
`name=`, fast and slow endpoints, some with little traffic, one explicit name.

Against tests/support/server.py with prefix routes (`/api/leads/`, `/api/reports/`, ...).
Ids and dates are random, so every run has another set of raw names.
"""

import random
import uuid
from datetime import date, timedelta

from locust import HttpUser, constant, task

STAGES = ("new", "contacted", "won", "lost")  # not `status`: the test server reads that


class SalesRep(HttpUser):
    wait_time = constant(0.01)

    def on_start(self) -> None:
        self.client.post("/api/login", json={"user": "rep", "password": "secret"})

    @task(10)
    def lead(self) -> None:
        self.client.get(f"/api/leads/{random.randint(1, 5000)}")

    @task(6)
    def list_leads(self) -> None:
        page = random.randint(1, 40)
        self.client.get(f"/api/leads?page={page}&per_page=100&stage={random.choice(STAGES)}")

    @task(4)
    def update_lead(self) -> None:
        self.client.put(f"/api/leads/{random.randint(1, 5000)}", json={"status": "contacted"})

    @task(2)
    def notes(self) -> None:
        self.client.get(f"/api/leads/{random.randint(1, 5000)}/notes")

    @task(2)
    def create(self) -> None:
        self.client.post("/api/v2/leads", json={"name": "x"}, name="/api/v2/leads")

    @task(1)
    def report(self) -> None:
        day = date(2024, 1, 1) + timedelta(days=random.randint(0, 365))
        self.client.get(f"/api/reports/{day.isoformat()}")

    @task(1)
    def attachment(self) -> None:
        self.client.get(f"/api/files/{uuid.uuid4()}")
