"""Model adapters: the local engine and the cloud image-to-video services, one interface."""
