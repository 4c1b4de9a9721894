"""The Gradio chat UI of the news assistant (``assistant ui``).

Importing this package sets the offline environment first: Gradio and
gradio_client read these variables at import time, and without them they try
to reach the Hugging Face hub and Gradio's analytics (no internet here).
"""
from __future__ import annotations

from assistant.settings import apply_offline_env

apply_offline_env()
