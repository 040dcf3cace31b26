using NUnit.Framework;

namespace Stp.Testing;

/// <summary>
/// Locates the read-only reference data and fixtures in <c>../shared</c> beside the repository
/// (or in the folder named by the environment variable STP_SHARED). Tests that need them call
/// <see cref="RequireFile"/>, which skips the test with a clear message when the file is absent.
/// </summary>
internal static class SharedData
{
    public static string? Root { get; } = FindRoot();

    private static string? FindRoot()
    {
        var env = Environment.GetEnvironmentVariable("STP_SHARED");
        if (!string.IsNullOrEmpty(env)) return Directory.Exists(env) ? Path.GetFullPath(env) : null;
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Stp.sln"))) dir = dir.Parent;
        if (dir?.Parent is null) return null;
        var shared = Path.Combine(dir.Parent.FullName, "shared");
        return Directory.Exists(shared) ? shared : null;
    }

    /// <summary>Full path of a file under ../shared, or an Inconclusive skip when it is absent.</summary>
    public static string RequireFile(string relative)
    {
        if (Root is null) Assert.Ignore($"../shared not found beside the repository (set STP_SHARED); skipping test that needs {relative}.");
        var p = Path.Combine(Root!, relative);
        if (!File.Exists(p)) Assert.Ignore($"Reference file {p} is absent; skipping.");
        return p;
    }

    public static string Fixture(string name) => RequireFile(Path.Combine("fixtures", name));
    public static string Data(string relative) => RequireFile(Path.Combine("data", relative));
}
