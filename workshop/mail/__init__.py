"""E-mail: the outbox (messages rendered, queued as jobs, sent with flask-mailman), invitations, password
recovery, e-mail change and the account page."""
