//! Deployment (placeholder while being written).
