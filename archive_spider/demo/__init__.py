"""The bundled demo site, "The Commonplace Review", and its local server.

``site`` loads the essays, ``templates.build_site()`` renders every page to bytes; ``server.DemoServer`` serves them on
127.0.0.1 for tests and for ``archive-spider demo``.
"""
