package sqlite

import "golang.org/x/sys/unix"

// born returns when the file at path was created, in nanoseconds since
// 1970, or 0 where the file system does not tell (statx(2) with
// STATX_BTIME). A copy of a file, or a file made anew in its place, is
// born later: the birth time cannot be set.
func born(path string) int64 {
	var st unix.Statx_t
	if err := unix.Statx(unix.AT_FDCWD, path, 0, unix.STATX_BTIME, &st); err != nil || st.Mask&unix.STATX_BTIME == 0 {
		return 0
	}
	return st.Btime.Sec*1e9 + int64(st.Btime.Nsec)
}
