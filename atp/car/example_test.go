package car_test

import (
	"bytes"
	"fmt"
	"io"

	"github.com/boltsky/boltsky/atp/car"
	"github.com/boltsky/boltsky/atp/dagcbor"
)

func Example() {
	record := dagcbor.AppendMapHeader(nil, 1)
	record = dagcbor.AppendText(record, "text")
	record = dagcbor.AppendText(record, "hello")
	c := dagcbor.SumCBOR(record)

	var buf bytes.Buffer
	w, err := car.NewWriter(&buf, c)
	if err != nil {
		panic(err)
	}
	if err := w.WriteBlock(c, record); err != nil {
		panic(err)
	}
	if err := w.Flush(); err != nil {
		panic(err)
	}

	r, err := car.NewReader(&buf, car.Options{MaxTotalSize: 1 << 20})
	if err != nil {
		panic(err)
	}
	fmt.Println("root matches:", car.CheckRoot(r.Roots(), c) == nil)
	for {
		got, data, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			panic(err)
		}
		fmt.Println(got == c, len(data), "bytes")
	}
	// Output:
	// root matches: true
	// true 12 bytes
}

func ExampleAppendBlock() {
	record := dagcbor.AppendText(nil, "hi")
	c := dagcbor.SumCBOR(record)
	slice := car.AppendHeader(nil, c)
	slice = car.AppendBlock(slice, c, record)
	fmt.Println(len(slice) == car.HeaderLen(c)+car.BlockLen(c, len(record)))
	// Output: true
}
