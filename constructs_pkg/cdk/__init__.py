"""The CDK constructs: ``TuningJob``, ``LineageTable`` and the shared provider."""
