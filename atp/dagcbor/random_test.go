package dagcbor

import (
	"math"
	"math/rand/v2"

	"github.com/ipfs/go-cid"
)

// valueGen builds random data-model values for property and oracle
// tests. Keys are drawn so that many have equal lengths and some are not
// ASCII, which exercises canonical key order.
type valueGen struct {
	rnd *rand.Rand
	// noDollar leaves out keys starting with '$', which some oracles
	// interpret.
	noDollar bool
}

func newValueGen(seed uint64) *valueGen {
	return &valueGen{rnd: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

var genKeyParts = []string{"a", "b", "z", "aa", "ab", "ba", "é", "ü", "日", "😀", "$", "k", "0", "A", "~"}

func (g *valueGen) key() string {
	n := 1 + g.rnd.IntN(4)
	var s string
	for range n {
		p := genKeyParts[g.rnd.IntN(len(genKeyParts))]
		if g.noDollar && p == "$" {
			p = "d"
		}
		s += p
	}
	return s
}

var genStrings = []string{"", "a", "hello world", "a~öñ©⽘☎𓋓😀👨‍👩‍👧‍👧", "\x00\x1f\"\\/", "line\nbreak\ttab", "<html>&amp;", "\u2028\u2029", "日本語のテキスト"}

func (g *valueGen) int() int64 {
	switch g.rnd.IntN(8) {
	case 0:
		return int64(g.rnd.IntN(24))
	case 1:
		return -1 - int64(g.rnd.IntN(24))
	case 2:
		edges := []int64{23, 24, 255, 256, 65535, 65536, 1<<32 - 1, 1 << 32, math.MaxInt64, math.MinInt64, -24, -25, -256, -257, -65537, 1<<53 - 1, -(1<<53 - 1)}
		return edges[g.rnd.IntN(len(edges))]
	case 3:
		return g.rnd.Int64()
	case 4:
		return -g.rnd.Int64()
	default:
		return int64(g.rnd.IntN(100000)) - 50000
	}
}

func (g *valueGen) bytes() []byte {
	b := make([]byte, g.rnd.IntN(40))
	for i := range b {
		b[i] = byte(g.rnd.Uint32())
	}
	return b
}

func (g *valueGen) link() cid.Cid {
	if g.rnd.IntN(2) == 0 {
		return SumRaw(g.bytes())
	}
	return SumCBOR(g.bytes())
}

// value returns a random value with at most depth container levels.
func (g *valueGen) value(depth int) any {
	k := g.rnd.IntN(10)
	if depth <= 0 && k >= 8 {
		k = g.rnd.IntN(8)
	}
	switch k {
	case 0:
		return nil
	case 1:
		return g.rnd.IntN(2) == 0
	case 2, 3:
		return g.int()
	case 4:
		if g.rnd.IntN(3) == 0 {
			return genStrings[g.rnd.IntN(len(genStrings))]
		}
		return g.key()
	case 5:
		return g.bytes()
	case 6, 7:
		return g.link()
	case 8:
		n := g.rnd.IntN(6)
		out := make([]any, n)
		for i := range out {
			out[i] = g.value(depth - 1)
		}
		return out
	default:
		return g.object(depth)
	}
}

func (g *valueGen) object(depth int) map[string]any {
	n := g.rnd.IntN(8)
	out := make(map[string]any, n)
	for range n {
		out[g.key()] = g.value(depth - 1)
	}
	return out
}
