package awsquery

import (
	"os"
	"reflect"
	"strconv"
	"sync"
	"testing"
)

// The test model (testdata/model.json) has a structure of every kind the
// decoder supports, with constraints of every kind.

type doThingInput struct {
	Name   string
	Count  int
	Big    int64
	Flag   bool
	Status string
	Secret string
	Names  []string
	Tags   []tag
	Inner  inner
	Refs   []ref
}

type tag struct {
	Key   string `xml:"Key"`
	Value string `xml:"Value"`
}

type inner struct {
	Path string `xml:"Path"`
	Size int    `xml:"Size,omitempty"`
}

type ref struct {
	Arn string `query:"arn"`
}

type doThingOutput struct {
	Name     string         `xml:"Name,omitempty"`
	Count    int            `xml:"Count,omitempty"`
	Flag     bool           `xml:"Flag"`
	When     *Time          `xml:"When,omitempty"`
	Document PolicyDocument `xml:"Document,omitempty"`
	Tags     List[tag]      `xml:"Tags,omitempty"`
	Names    List[string]   `xml:"Names"`
	Inner    *inner         `xml:"Inner,omitempty"`
}

type emptyInput struct{}

var (
	testModelOnce sync.Once
	testModelV    *Model
)

func testModel(t testing.TB) *Model {
	t.Helper()
	testModelOnce.Do(func() {
		data, err := os.ReadFile("testdata/model.json")
		if err != nil {
			t.Fatal(err)
		}
		if testModelV, err = ParseModel(data); err != nil {
			t.Fatal(err)
		}
	})
	return testModelV
}

// encodeParams writes v (a decoded input of binding b) back as Query
// parameters, as an SDK would: zero values of optional members are left out,
// an empty non-nil list is "Key=".
func encodeParams(b *binding, v reflect.Value, prefix string, out map[string]string) {
	for _, f := range b.fields {
		key := prefix + f.wire
		fv := v.Field(f.index)
		switch f.kind {
		case kString:
			if fv.String() != "" || f.required {
				out[key] = fv.String()
			}
		case kInt32, kInt64:
			if fv.Int() != 0 || f.required {
				out[key] = strconv.FormatInt(fv.Int(), 10)
			}
		case kBool:
			if fv.Bool() || f.required {
				out[key] = strconv.FormatBool(fv.Bool())
			}
		case kStruct:
			if !fv.IsZero() || f.required {
				encodeParams(f.sub, fv, key+".", out)
			}
		case kList:
			if fv.IsNil() {
				continue
			}
			if fv.Len() == 0 {
				out[key] = ""
			}
			for j := range fv.Len() {
				ek := key + "." + f.elemName + "." + strconv.Itoa(j+1)
				if f.elemKind == kStruct {
					n := len(out)
					encodeParams(f.sub, fv.Index(j), ek+".", out)
					if len(out) == n {
						// An element with no known member: only an
						// unknown one can make it exist.
						out[ek+".Unknown"] = ""
					}
				} else {
					out[ek] = fv.Index(j).String()
				}
			}
		}
	}
}
