def find_claims(doc, article, found):
    return ()
