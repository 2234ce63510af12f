"""The adaptive learner: learning sessions that fit, evaluate and register candidate models."""
