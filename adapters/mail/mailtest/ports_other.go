//go:build !unix

package mailtest

import "net"

// reservePorts returns n loopback ports that were free a moment ago.
func reservePorts(n int) (ports []int, release func(), err error) {
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, nil, err
		}
		defer l.Close()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, func() {}, nil
}
