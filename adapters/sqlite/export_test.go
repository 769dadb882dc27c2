package sqlite

import "database/sql"

// Pools exposes the writer and the reader pool of s to the tests, which
// check the pragmas each connection runs with.
func Pools(s *Store) (writer, reader *sql.DB) { return s.w, s.r }

// StatsQueries are the queries of Stats, for the test of their plans.
var StatsQueries = map[string]string{"months": statsMonths, "closed": statsClosed, "stages": statsStages, "ratings": statsRatings,
	"times": statsTimes, "stays": statsStays, "groups": statsGroups, "overdue": statsOverdue}
