# Models arrive with this app's issue; the app is registered so the layout shows the architecture.
