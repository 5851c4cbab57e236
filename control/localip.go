package control

import "net"

// ReadLocalIP builds what [ParseAddr] needs for box@[ip]: control/localiphost
// (or me) and this host's IPv4 addresses plus 0.0.0.0, as qmail's ipme.c
// lists them (the interfaces that are up). Without either file it returns
// nil: qmail-smtpd then leaves address literals alone.
func ReadLocalIP(dir string) (*LocalIP, error) {
	s, err := Read(dir, "localiphost")
	if err != nil {
		return nil, err
	}
	if s.Source == SourceNone {
		return nil, nil
	}
	mine := map[[4]byte]bool{{0, 0, 0, 0}: true}
	ifaces, _ := net.Interfaces()
	for _, ifc := range ifaces {
		if ifc.Flags&net.FlagUp == 0 {
			continue
		}
		addrs, _ := ifc.Addrs()
		for _, ad := range addrs {
			if ipn, ok := ad.(*net.IPNet); ok {
				if v4 := ipn.IP.To4(); v4 != nil {
					mine[[4]byte(v4)] = true
				}
			}
		}
	}
	return &LocalIP{Host: s.Value, IsMe: func(ip [4]byte) bool { return mine[ip] }}, nil
}
