"""KMS custom key stores of type AWS_CLOUDHSM."""
