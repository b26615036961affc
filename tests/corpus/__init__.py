"""A corpus of invalid tuning-job definitions, each of which must fail ``cdk synth``."""
