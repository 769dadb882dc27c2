//go:build unix

package mailtest

import (
	"errors"

	"golang.org/x/sys/unix"
)

// reservePorts finds n free loopback ports and keeps them: each is bound
// by a socket of the test process that does not listen, so that no bind to
// port 0 on the machine (another test's, another package's) is given it,
// while the servers can still bind it: Dovecot sets SO_REUSEADDR, which
// Linux lets share a port with a socket that does not listen, and Postfix
// SO_REUSEPORT as well. That matters for Postfix: it always sets
// SO_REUSEPORT, so two Postfix instances given the same port both start,
// and the kernel shares the port's connections between them; a port found
// free and let go would let two tests' Postfix meet. release closes the
// sockets, once the servers have stopped.
func reservePorts(n int) (ports []int, release func(), err error) {
	var fds []int
	release = func() {
		for _, fd := range fds {
			unix.Close(fd)
		}
	}
	for range n {
		fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM, 0)
		if err != nil {
			release()
			return nil, nil, err
		}
		fds = append(fds, fd)
		unix.CloseOnExec(fd)
		err = errors.Join(
			unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1),
			unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEPORT, 1),
			unix.Bind(fd, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}))
		if err != nil {
			release()
			return nil, nil, err
		}
		sa, err := unix.Getsockname(fd)
		if err != nil {
			release()
			return nil, nil, err
		}
		ports = append(ports, sa.(*unix.SockaddrInet4).Port)
	}
	return ports, release, nil
}
