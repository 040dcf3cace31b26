using static TorchSharp.torch;

namespace Stp.Backbones.Radm.Modules;

/// <summary>
/// Builds modules with PyTorch's own initialisation calls from a given seed: the global generator is seeded (as the
/// reference's <c>torch.manual_seed(seed)</c> before construction) and its previous state restored afterwards, so
/// construction is a pure function of the seed and leaves the caller's random state untouched.
/// </summary>
internal static class SeededConstruction
{
    private static readonly object Gate = new();

    public static T Build<T>(long seed, Func<T> build)
    {
        lock (Gate)
        {
            using var saved = get_rng_state();
            manual_seed(seed);
            try
            {
                return build();
            }
            finally
            {
                set_rng_state(saved);
            }
        }
    }
}
