-- grain: one row per GeoNames place referenced by a location mention
SELECT * FROM {places}
