import csv
import os
import random
import time
from datetime import datetime

OUTPUT_DIR = "data/input"
EVENTS = ["login", "logout", "purchase", "view"]


def generate_csv(file_index, rows=10):
    # Creates CSV files with random event data
    # Each file has 10 rows of timestamp, user_id, event data
    os.makedirs(OUTPUT_DIR, exist_ok=True)
    file_path = os.path.join(OUTPUT_DIR, f"event_batch_{file_index}.csv")
    with open(file_path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["timestamp", "user_id", "event"])
        for _ in range(rows):
            writer.writerow([datetime.now().isoformat(), random.randint(1, 5), random.choice(EVENTS)])
    print(f"Generated {file_path}")


if __name__ == "__main__":
    for i in range(10):
        generate_csv(i)
        time.sleep(3)
