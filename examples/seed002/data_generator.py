# src/data_generator.py
import time
import json
from datetime import datetime, timedelta
import random
import os

def generate_events(output_dir="./input", events_per_batch=100, delay_seconds=5):
    """Generate streaming events to simulate real-time data"""
    os.makedirs(output_dir, exist_ok=True)
    batch = 0
    
    print(f"Starting event generator...")
    print(f"  Output: {output_dir}")
    print(f"  Events per batch: {events_per_batch}")
    print(f"  Delay: {delay_seconds}s")
    
    try:
        while True:
            events = []
            base_time = datetime.now()
            
            for i in range(events_per_batch):
                # Simulate some late-arriving events (10% of events)
                if random.random() < 0.1:
                    timestamp = base_time - timedelta(seconds=random.randint(60, 600))
                else:
                    timestamp = base_time - timedelta(seconds=random.randint(0, 30))
                
                event = {
                    "event_id": f"{batch}_{i}",
                    "timestamp": timestamp.isoformat(),
                    "user_id": random.randint(1, 1000),
                    "event_type": random.choice(["click", "view", "purchase", "add_to_cart"]),
                    "value": round(random.uniform(10, 1000), 2),
                    "session_id": f"session_{random.randint(1, 100)}"
                }
                events.append(event)
            
            # Write batch as JSON lines
            filename = f"{output_dir}/batch_{batch:06d}.json"
            with open(filename, "w") as f:
                for event in events:
                    f.write(json.dumps(event) + "\n")
            
            print(f"✓ Generated batch {batch} ({events_per_batch} events) -> {filename}")
            batch += 1
            time.sleep(delay_seconds)
            
    except KeyboardInterrupt:
        print(f"\n✓ Generator stopped. Generated {batch} batches.")

if __name__ == "__main__":
    generate_events()
