"""Experiments: configs, scheduled interventions and surveys, conditions x replicates on a local pool or Ray."""
