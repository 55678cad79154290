package atp_test

import (
	"math/rand/v2"
	"strconv"
	"strings"
)

// generator makes strings near the edge of each syntax: mutated vector
// entries and strings assembled from random parts.
type generator struct {
	r       *rand.Rand
	vectors []string
}

func newGenerator(r *rand.Rand, vectors []string) *generator {
	return &generator{r: r, vectors: vectors}
}

const (
	lowers     = "abcdefghijklmnopqrstuvwxyz"
	uppers     = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	digitChars = "0123456789"
	alnums     = lowers + uppers + digitChars
	// noise holds bytes that are special somewhere: separators, URI
	// delimiters, space, control, and non-ASCII.
	noise = "-._:~%/#?@+,;!*'()[]$& \t\x00\x7f\xff" + "é"
)

// input returns the next string for the oracle named name.
func (g *generator) input(name string) string {
	if len(g.vectors) > 0 && g.r.IntN(3) == 0 {
		return g.mutate(g.vectors[g.r.IntN(len(g.vectors))])
	}
	var s string
	switch name {
	case "did":
		s = g.did()
	case "handle":
		s = g.domain(false)
	case "nsid":
		s = g.nsid()
	case "aturi":
		s = g.aturi()
	case "atidentifier":
		if g.r.IntN(2) == 0 {
			s = g.did()
		} else {
			s = g.domain(false)
		}
	case "tid":
		s = g.tid()
	case "recordkey":
		s = g.recordKey()
	case "datetime":
		s = g.datetime()
	case "language", "language-strict":
		s = g.language()
	case "uri":
		s = g.uri()
	default:
		s = g.chars(alnums+noise, g.r.IntN(20))
	}
	if g.r.IntN(4) == 0 {
		s = g.mutate(s)
	}
	return s
}

// chars returns n bytes drawn from set.
func (g *generator) chars(set string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = set[g.r.IntN(len(set))]
	}
	return string(b)
}

// pick returns one of the options.
func (g *generator) pick(options ...string) string { return options[g.r.IntN(len(options))] }

// length returns a length that is usually small and sometimes at or near
// one of the given limits.
func (g *generator) length(small int, limits ...int) int {
	if len(limits) > 0 && g.r.IntN(8) == 0 {
		return max(0, limits[g.r.IntN(len(limits))]+g.r.IntN(3)-1)
	}
	return g.r.IntN(small + 1)
}

// mutate applies one to three random edits to s.
func (g *generator) mutate(s string) string {
	b := []byte(s)
	for range 1 + g.r.IntN(3) {
		pos := 0
		if len(b) > 0 {
			pos = g.r.IntN(len(b) + 1)
		}
		c := (alnums + noise)[g.r.IntN(len(alnums+noise))]
		switch op := g.r.IntN(6); {
		case op == 0 && pos < len(b): // replace
			b[pos] = c
		case op == 1 && pos < len(b): // delete
			b = append(b[:pos], b[pos+1:]...)
		case op == 2 && pos < len(b): // flip case
			switch x := b[pos]; {
			case 'a' <= x && x <= 'z':
				b[pos] = x - 32
			case 'A' <= x && x <= 'Z':
				b[pos] = x + 32
			}
		case op == 3 && len(b) > 0: // duplicate a span
			end := min(len(b), pos+1+g.r.IntN(8))
			if pos < end {
				span := append([]byte(nil), b[pos:end]...)
				b = append(b[:end], append(span, b[end:]...)...)
			}
		default: // insert
			b = append(b[:pos], append([]byte{c}, b[pos:]...)...)
		}
	}
	return string(b)
}

// label returns a DNS-like label, sometimes with a hyphen at an end or an
// odd first character.
func (g *generator) label(maxLen int) string {
	n := g.length(8, 63, maxLen)
	set := lowers + uppers + digitChars + "-"
	if g.r.IntN(10) == 0 {
		set += "_."
	}
	return g.chars(set, n)
}

// domain returns labels joined by dots; with nameLast the last one is an
// NSID name.
func (g *generator) domain(nameLast bool) string {
	n := 1 + g.r.IntN(5)
	if g.r.IntN(30) == 0 {
		n = 40 + g.r.IntN(30) // near the overall length limits
	}
	parts := make([]string, n)
	for i := range parts {
		parts[i] = g.label(64)
	}
	if g.r.IntN(2) == 0 {
		// Make the TLD (or the NSID's first segment) start with a letter
		// more often, so that more inputs get past it.
		i := len(parts) - 1
		if nameLast {
			i = 0
		}
		parts[i] = g.pick("a", "Z", "x") + parts[i]
	}
	if nameLast {
		parts = append(parts, g.pick("a", "B", "z", "0")+g.chars(alnums, g.length(6, 62, 63)))
	}
	return strings.Join(parts, ".")
}

func (g *generator) nsid() string { return g.domain(true) }

func (g *generator) did() string {
	method := g.pick("plc", "web", "key", "m", "", "PLC", "p1c")
	idSet := alnums + "._:%-"
	if g.r.IntN(5) == 0 {
		idSet += "/?#@ "
	}
	return "did:" + method + ":" + g.chars(idSet, g.length(24, 2048-len(method)-5))
}

func (g *generator) tid() string {
	set := "234567abcdefghijklmnopqrstuvwxyz"
	if g.r.IntN(4) == 0 {
		set += "01890ABZ-"
	}
	return g.chars(set, []int{13, 13, 13, 12, 14}[g.r.IntN(5)])
}

func (g *generator) recordKey() string {
	set := alnums + ".-_:~"
	if g.r.IntN(4) == 0 {
		set += "/#@ +%"
	}
	if g.r.IntN(10) == 0 {
		return g.pick(".", "..", "...", "")
	}
	return g.chars(set, g.length(12, 512))
}

func (g *generator) aturi() string {
	var b strings.Builder
	b.WriteString(g.pick("at://", "at://", "at://", "AT://", "at:/", "at:///"))
	if g.r.IntN(2) == 0 {
		b.WriteString(g.did())
	} else {
		b.WriteString(g.domain(false))
	}
	if g.r.IntN(4) != 0 {
		b.WriteString("/" + g.nsid())
		if g.r.IntN(3) != 0 {
			b.WriteString("/" + g.recordKey())
		}
	}
	if g.r.IntN(10) == 0 {
		b.WriteString(g.pick("/", "#frag", "?q=1", " "))
	}
	return b.String()
}

// field returns n random digits, or occasionally a wrong width.
func (g *generator) field(n, maxValue int) string {
	if g.r.IntN(15) == 0 {
		n += g.r.IntN(3) - 1
	}
	v := g.r.IntN(maxValue + 1)
	s := strconv.Itoa(v)
	for len(s) < n {
		s = "0" + s
	}
	if len(s) > n {
		s = s[len(s)-n:]
	}
	return s
}

func (g *generator) datetime() string {
	var b strings.Builder
	b.WriteString(g.field(4, 9999))
	b.WriteString(g.pick("-", "-", "-", "/"))
	b.WriteString(g.field(2, 13))
	b.WriteString("-")
	b.WriteString(g.field(2, 32))
	b.WriteString(g.pick("T", "T", "T", "t", " "))
	b.WriteString(g.field(2, 25))
	b.WriteString(":")
	b.WriteString(g.field(2, 61))
	b.WriteString(":")
	b.WriteString(g.field(2, 61))
	if g.r.IntN(2) == 0 {
		b.WriteString(g.pick(".", ".", ",", "x"))
		b.WriteString(g.chars(digitChars, g.length(4, 20, 30)))
	}
	switch g.r.IntN(6) {
	case 0:
		b.WriteString(g.pick("z", "", "+0000", "-00:00", "+00"))
	case 1, 2:
		b.WriteString(g.pick("+", "-") + g.field(2, 25) + ":" + g.field(2, 61))
	default:
		b.WriteString("Z")
	}
	return b.String()
}

func (g *generator) language() string {
	n := 1 + g.r.IntN(6)
	parts := make([]string, n)
	for i := range parts {
		switch g.r.IntN(8) {
		case 0:
			parts[i] = g.pick("x", "X", "a", "u", "t", "i")
		case 1:
			parts[i] = g.chars(digitChars, 3)
		case 2:
			parts[i] = g.chars(digitChars, 1) + g.chars(alnums, 3)
		case 3:
			parts[i] = g.chars(lowers, 2+g.r.IntN(2))
		default:
			parts[i] = g.chars(alnums, g.length(9, 8))
		}
	}
	if g.r.IntN(2) == 0 {
		parts[0] = g.chars(lowers, 2+g.r.IntN(2))
	}
	return strings.Join(parts, "-")
}

func (g *generator) uri() string {
	scheme := g.chars(lowers+uppers+digitChars+"+-.", g.length(6, 81, 82))
	if g.r.IntN(2) == 0 {
		scheme = g.pick("https", "at", "dns", "did", "x") + scheme
	}
	restSet := alnums + "/?#%:@!$&'()*+,;=.-_~[]"
	if g.r.IntN(5) == 0 {
		restSet += " \t\x7fé"
	}
	return scheme + g.pick(":", ":", ":", "") + g.chars(restSet, g.length(12, 8192-len(scheme)))
}
