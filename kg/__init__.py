"""kg: knowledge graphs from news articles.

Reads articles, finds the actors, places and events in them and the claims actors make
about each other, and links them across articles into one graph that answers "who accused
whom of what, where, when, and according to which outlet", with the sentence behind each fact.
"""

__version__ = "0.1.0"
