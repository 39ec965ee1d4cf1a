def find_events(doc, article, found):
    return ()
