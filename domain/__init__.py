"""The Conduit domain: entities and rules, standard library only."""
