namespace Stp.Geometry;

/// <summary>A triangle of the Quickhull working surface: corners, neighbours across its edges (edge k runs from V[k] to
/// V[(k + 1) % 3]), plane, outside set and bookkeeping marks.</summary>
internal sealed class QuickhullFace
{
    public readonly int[] V = new int[3];
    public readonly QuickhullFace?[] Nb = new QuickhullFace?[3];
    public double Nx, Ny, Nz, Off;
    public List<int>? Outside;
    public int Far = -1;
    public double FarDist;
    public bool Dead;
    public int Mark;
}
