/*
 * The schema migrations, generated from db/migrations/NNNN-*.sql. Entry i
 * takes the database from schema version i to version i + 1; the version
 * lives in PRAGMA user_version.
 */
#ifndef DRIPLINE_DB_MIGRATIONS_H
#define DRIPLINE_DB_MIGRATIONS_H

#include <stddef.h>

extern const char *const db_migrations[];
/* Entry i is "PRAGMA user_version = i + 1". */
extern const char *const db_migration_versions[];
extern const size_t db_migrations_count;

#endif
