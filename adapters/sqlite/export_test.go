package sqlite

import "database/sql"

// Pools exposes the writer and the reader pool of s to the tests, which
// check the pragmas each connection runs with.
func Pools(s *Store) (writer, reader *sql.DB) { return s.w, s.r }
