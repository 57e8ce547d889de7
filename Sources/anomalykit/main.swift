import AnomalyCLI

AnomalyKitCommand.main()
