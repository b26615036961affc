"""Definition model and rule engine for SageMaker hyperparameter tuning jobs.

Everything under ``constructs_pkg.core`` is pure Python (standard library plus botocore).
It never imports ``aws_cdk``, so the custom-resource Lambda ships it unchanged and checks a
parent imported by name with the very code that checks in-app parents at synth.
"""
