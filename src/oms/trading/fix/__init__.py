"""FIX 4.4 connectivity for trading: a pure codec, an acceptor for clients and an initiator to venues.

``values``, ``wire``, ``codec`` and ``dictionary`` are plain Python; ``engine``, ``acceptor`` and
``initiator`` need the optional ``quickfix`` package (``pip install .[fix]``).
"""
