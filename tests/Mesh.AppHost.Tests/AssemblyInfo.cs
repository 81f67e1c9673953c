// One mesh at a time: the embedded and the distributed mesh are sixteen processes between them,
// and on two cores each start is surer with the machine to itself.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
