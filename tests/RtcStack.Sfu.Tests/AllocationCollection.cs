namespace RtcStack.Sfu.Tests;

/// <summary>Runs alone: a meter listener of a test running in parallel would allocate on the measured thread.</summary>
[CollectionDefinition(nameof(ReceivePathAllocationTests), DisableParallelization = true)]
public sealed class AllocationCollection;
