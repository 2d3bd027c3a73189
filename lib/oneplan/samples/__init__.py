"""Every synthetic generator, each labelled synthetic, and the build of the sample database
(:func:`oneplan.samples.build.build_sample`). May use the domains, so the sample is made by
the same rules as real data."""
