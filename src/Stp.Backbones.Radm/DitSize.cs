namespace Stp.Backbones.Radm;

/// <summary>The DiT presets of RADM (FACTS 4.2) plus a tiny one for tests and CPU runs.</summary>
public enum DitSize
{
    /// <summary>Depth 2, hidden 64, 4 heads (the size of the reference fixture; 178,884 parameters on QM9).</summary>
    Tiny,
    /// <summary>DiT-S: depth 12, hidden 384, 6 heads (32,465,284 parameters on QM9).</summary>
    Small,
    /// <summary>DiT-B: depth 12, hidden 768, 12 heads, RADM's released size (129,516,292 parameters on QM9).</summary>
    Base,
}
