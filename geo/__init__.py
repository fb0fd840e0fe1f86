"""GridGov's spatial core: no Streamlit, folium or HTTP. Four rooms, arrows only downward:

    usecases/  every change to the world (case actions, intake, re-cut, sweep, accounts, layer publishing …)
    read/      what pages, reports and the API read (overview, case map, metrics, load, hotspots, screen …)
    db/        tables, column types, schema and migrations, storage dialects, SQL building blocks
    domain/    pure rules and value types: vocabulary, workflow, escalation, calendar, datums, grid index …

usecases → read → db → domain, and ``config`` (every environment setting) beside them, importing only
domain. tests/unit/test_architecture.py enforces it.
"""
