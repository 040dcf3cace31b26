namespace Stp.Codecs;

/// <summary>Where the last sampling step takes the features from, and which terms the t = 0 loss has.</summary>
public enum FinalFeatureSource
{
    /// <summary>
    /// EDM: h is read from z_0 itself (p(h | z_0) is a discretised Gaussian around z_0); only x is drawn from the
    /// prediction. The t = 0 training term is the x part of -log p(x | z_0) alone.
    /// </summary>
    FromLatent,
    /// <summary>
    /// GeoLDM / RADM: x and h are both drawn around the prediction (a Gaussian on every latent dimension);
    /// the t = 0 training term covers x and h.
    /// </summary>
    FromPrediction,
}
