"""The Gradio chat UI of the news assistant (``assistant ui``).

Importing this package sets the offline environment first: Gradio and
gradio_client read these variables at import time, and without them they try
to reach the Hugging Face hub and Gradio's analytics (no internet here).
"""
from __future__ import annotations

import os

_OFFLINE_ENV = {
    "GRADIO_ANALYTICS_ENABLED": "False",
    "HF_HUB_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "ANONYMIZED_TELEMETRY": "False",
}
for _key, _value in _OFFLINE_ENV.items():
    os.environ.setdefault(_key, _value)
