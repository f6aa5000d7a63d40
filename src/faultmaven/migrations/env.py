"""Alembic environment: runs against the connection handed over by faultmaven.migrations."""

from alembic import context

import faultmaven.cases.models  # noqa: F401  (register tables)
import faultmaven.jobs.models  # noqa: F401
import faultmaven.runbooks.models  # noqa: F401
import faultmaven.search.models  # noqa: F401
from faultmaven.kit.db import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
