namespace Stp.Diffusion;

/// <summary>What a draw of <see cref="MoleculeNoise"/> is for. Each purpose has its own random namespace.</summary>
public enum NoisePurpose
{
    /// <summary>The forward process of training: the noise that makes z_t and is the epsilon target (scaled by gamma_N).</summary>
    ForwardProcess,
    /// <summary>Sampling: the prior z_T, each reverse step and the final draw (scaled by gamma_N).</summary>
    Sampling,
    /// <summary>
    /// A latent codec's own encoder noise (GeoLDM/RADM: z = mean + sigma_0 eps). It is never scaled by gamma_N
    /// (FACTS 7: the autoencoder's noise keeps the unit prior).
    /// </summary>
    Latent,
}
