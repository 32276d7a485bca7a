"""How good a fit is: coherence (c_npmi, c_v, u_mass) from one streamed co-occurrence pass,
topic diversity, and stability across seeds.
"""
