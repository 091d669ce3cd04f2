// chain: see the dsp issue; filled in by its owner.
