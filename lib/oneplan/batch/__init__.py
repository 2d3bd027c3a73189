"""Running the report notebooks for every province: the report registry, fingerprints,
jobs, the run manifest, the runner with its warm kernels and the HTML/PDF export."""
