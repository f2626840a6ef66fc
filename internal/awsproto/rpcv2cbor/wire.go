package rpcv2cbor

// Reading CBOR items (RFC 8949 §3): heads, strings, floats, and skipping an
// item whole with every well-formedness check. decode.go builds Go values
// on top of these.

import (
	"encoding/binary"
	"math"
	"strconv"
	"unicode/utf8"
)

// head is an item's initial byte decoded (RFC 8949 §3).
type head struct {
	major byte
	minor byte
	arg   uint64 // the argument; for major 7 minor 25–27 the float bits
	indef bool   // minor 31: indefinite length, or a break for major 7
}

// readHead reads the next item's head, checking its argument is present
// and its additional information is not reserved.
func (d *decoder) readHead() (head, error) {
	if d.off >= len(d.data) {
		return head{}, d.eof()
	}
	ib := d.data[d.off]
	d.off++
	h := head{major: ib >> 5, minor: ib & 0x1f}
	switch {
	case h.minor < 24:
		h.arg = uint64(h.minor)
	case h.minor <= 27:
		n := 1 << (h.minor - 24)
		if len(d.data)-d.off < n {
			return h, d.eof()
		}
		b := d.data[d.off : d.off+n]
		d.off += n
		switch n {
		case 1:
			h.arg = uint64(b[0])
		case 2:
			h.arg = uint64(binary.BigEndian.Uint16(b))
		case 4:
			h.arg = uint64(binary.BigEndian.Uint32(b))
		default:
			h.arg = binary.BigEndian.Uint64(b)
		}
	case h.minor == minorIndefinite:
		switch h.major {
		case majorUint, majorNegInt, majorTag:
			return h, d.malformed("indefinite length on a type that has none")
		}
		h.indef = true
	default:
		return h, d.malformed("reserved additional information value")
	}
	if h.major == majorSimple && h.minor == 24 && h.arg < 32 {
		return h, d.malformed("invalid simple value")
	}
	return h, nil
}

// describe names what an item is, for type mismatch messages.
func describe(h head) string {
	switch h.major {
	case majorUint, majorNegInt:
		return "an integer"
	case majorBytes:
		return "a byte string"
	case majorText:
		return "a text string"
	case majorArray:
		return "an array"
	case majorMap:
		return "a map"
	case majorTag:
		return "tag " + strconv.FormatUint(h.arg, 10)
	}
	switch h.minor {
	case simpleFalse, simpleTrue:
		return "a boolean"
	case minorFloat16, minorFloat32, minorFloat64:
		return "a floating-point number"
	}
	return "a simple value"
}

func (d *decoder) enter() error {
	d.depth++
	if d.depth > MaxDepth {
		return d.tooDeep()
	}
	return nil
}

func (d *decoder) atBreak() bool {
	return d.off < len(d.data) && d.data[d.off] == byteBreak
}

// checkCount refuses a declared element count that the data left cannot
// hold (every item takes at least one byte), so nothing large is allocated
// on a lie.
func (d *decoder) checkCount(n uint64, per uint64) error {
	if n > uint64(len(d.data)-d.off)/per {
		return d.eof()
	}
	return nil
}

// stringBytes reads the content of a byte or text string whose head is h.
// A definite string is returned as a slice of the input (callers copy); an
// indefinite one is assembled from its chunks, which must be definite
// strings of the same major type. Text must be valid UTF-8.
func (d *decoder) stringBytes(h head) ([]byte, error) {
	if !h.indef {
		if h.arg > uint64(len(d.data)-d.off) {
			return nil, d.eof()
		}
		b := d.data[d.off : d.off+int(h.arg)]
		d.off += int(h.arg)
		if h.major == majorText && !utf8.Valid(b) {
			return nil, d.malformed("text string is not valid UTF-8")
		}
		return b, nil
	}
	var out []byte
	for {
		if d.off >= len(d.data) {
			return nil, d.eof()
		}
		if d.data[d.off] == byteBreak {
			d.off++
			if out == nil {
				out = []byte{}
			}
			return out, nil
		}
		c, err := d.readHead()
		if err != nil {
			return nil, err
		}
		if c.major != h.major || c.indef {
			return nil, d.malformed("invalid chunk in an indefinite-length string")
		}
		b, err := d.stringBytes(c)
		if err != nil {
			return nil, err
		}
		out = append(out, b...)
	}
}

// skip consumes one well-formed item, whatever it is.
func (d *decoder) skip() error {
	h, err := d.readHead()
	if err != nil {
		return err
	}
	switch h.major {
	case majorUint, majorNegInt:
		return nil
	case majorBytes, majorText:
		_, err := d.stringBytes(h)
		return err
	case majorTag:
		if err := d.enter(); err != nil {
			return err
		}
		if err := d.skip(); err != nil {
			return err
		}
		d.depth--
		return nil
	case majorArray, majorMap:
		if err := d.enter(); err != nil {
			return err
		}
		per := uint64(1)
		if h.major == majorMap {
			per = 2
		}
		if h.indef {
			for !d.atBreak() {
				for range per {
					if d.atBreak() {
						return d.malformed("map ends between a key and its value")
					}
					if err := d.skip(); err != nil {
						return err
					}
				}
			}
			d.off++
		} else {
			if err := d.checkCount(h.arg, per); err != nil {
				return err
			}
			for range h.arg * per {
				if err := d.skip(); err != nil {
					return err
				}
			}
		}
		d.depth--
		return nil
	}
	if h.indef {
		return d.malformed("unexpected break")
	}
	return nil
}

// isNull consumes a null or undefined item if one is next.
func (d *decoder) isNull() bool {
	if d.off < len(d.data) && (d.data[d.off] == byteNull || d.data[d.off] == byteUndef) {
		d.off++
		return true
	}
	return false
}

// number returns the value of an integer or float item.
func number(h head) (float64, bool) {
	switch h.major {
	case majorUint:
		return float64(h.arg), true
	case majorNegInt:
		return -1 - float64(h.arg), true
	case majorSimple:
		switch h.minor {
		case minorFloat16:
			return float16(uint16(h.arg)), true
		case minorFloat32:
			return float64(math.Float32frombits(uint32(h.arg))), true
		case minorFloat64:
			return math.Float64frombits(h.arg), true
		}
	}
	return 0, false
}

// float16 converts IEEE 754 half-precision bits (RFC 8949 Appendix D).
func float16(b uint16) float64 {
	exp := int(b>>10) & 0x1f
	mant := float64(b & 0x3ff)
	var f float64
	switch exp {
	case 0:
		f = math.Ldexp(mant, -24)
	case 31:
		if mant == 0 {
			f = math.Inf(1)
		} else {
			f = math.NaN()
		}
	default:
		f = math.Ldexp(mant+1024, exp-25)
	}
	if b&0x8000 != 0 {
		return -f
	}
	return f
}
