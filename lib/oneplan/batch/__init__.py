"""Running the report notebooks for every province: the runner (report registry,
fingerprints, manifest), the warm kernels and the HTML/PDF export."""
