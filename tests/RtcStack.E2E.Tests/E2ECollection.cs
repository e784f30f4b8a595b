namespace RtcStack.E2E.Tests;

/// <summary>
/// Every browser test class joins this one collection: xunit runs them one after another, sharing one
/// server and one Chromium (a loaded 2-core machine runs at most three or four peer pages at once).
/// </summary>
[CollectionDefinition(Name)]
public sealed class E2ECollection : ICollectionFixture<BrowserFixture>
{
    public const string Name = "browser e2e";
}
