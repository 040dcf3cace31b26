using NUnit.Framework;

namespace Stp.Testing;

/// <summary>A test fixture with a fresh temporary folder for every test, deleted after it.</summary>
public abstract class TempFolderFixture
{
    /// <summary>This test's folder.</summary>
    internal TempFolder Dir { get; private set; } = null!;

    /// <summary>Creates the folder.</summary>
    [SetUp]
    public void CreateFolder() => Dir = new TempFolder();

    /// <summary>Deletes the folder.</summary>
    [TearDown]
    public void DeleteFolder() => Dir.Dispose();
}
