// The private PostgreSQL server, for every suite that imports TestSupport.
@_exported import TestPostgres
