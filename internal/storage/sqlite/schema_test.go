package sqlite

import "testing"

func TestSchemaVersionMatchesMigrations(t *testing.T) {
	if SchemaVersion != len(migrations) {
		t.Fatalf("SchemaVersion is %d but there are %d migrations", SchemaVersion, len(migrations))
	}
}
